complete -c container-unpause -l guided -d 'Explain what resuming does before doing it.'
complete -c container-unpause -s a -l all -d 'Resume every paused container of yours.'
complete -c container-unpause -l info -d 'Print this help and exit.'
complete -c container-unpause -s h -l help -d 'Print this help and exit.'
