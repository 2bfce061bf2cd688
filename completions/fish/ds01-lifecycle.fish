complete -c ds01-lifecycle -s h -l help -d 'Print this help and exit.'
