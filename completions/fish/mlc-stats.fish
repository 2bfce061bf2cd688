complete -c mlc-stats -s h -l help -d 'Print this help and exit.'
