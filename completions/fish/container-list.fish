complete -c container-list -l format -d 'Accepted for compatibility; the layout is always the same.' -r -f
complete -c container-list -l guided -d 'Explain what each part of the list means.'
complete -c container-list -s a -l all -d 'Also list stopped, paused and never-started containers.'
complete -c container-list -s d -l detailed -d 'Show every detail of each container.'
complete -c container-list -l json -d 'Print the containers as a JSON array (for scripts).'
complete -c container-list -s h -l help -d 'Print this help and exit.'
complete -c container-list -l info -d 'Print this help and exit.'
