complete -c container-pause -l guided -d 'Explain what pausing does before doing it.'
complete -c container-pause -s a -l all -d 'Pause every running container of yours.'
complete -c container-pause -l info -d 'Print this help and exit.'
complete -c container-pause -s h -l help -d 'Print this help and exit.'
