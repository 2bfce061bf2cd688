complete -c container-start -l guided -d 'Explain what the command does before doing it.'
complete -c container-start -s h -l help -d 'Print this help and exit.'
complete -c container-start -l info -d 'The same page as --help.'
