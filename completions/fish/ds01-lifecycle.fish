complete -c ds01-lifecycle -l dry-run -d 'Show what a run would do now, and change nothing.'
complete -c ds01-lifecycle -l json -d 'Report as JSON.'
complete -c ds01-lifecycle -s h -l help -d 'Print this help and exit.'
