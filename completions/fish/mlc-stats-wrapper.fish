complete -c mlc-stats-wrapper -s h -l help -d 'Print this help and exit.'
