complete -c container-run -l guided -d 'Explain what the command does before doing it.'
complete -c container-run -s h -l help -d 'Print this help and exit.'
complete -c container-run -l info -d 'The same page as --help.'
