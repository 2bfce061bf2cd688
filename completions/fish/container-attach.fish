complete -c container-attach -l guided -d 'Explain what the command does before doing it.'
complete -c container-attach -s h -l help -d 'Print this help and exit.'
complete -c container-attach -l info -d 'The same page as --help.'
