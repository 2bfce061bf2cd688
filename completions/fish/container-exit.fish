complete -c container-exit -l guided -d 'Explain the page step by step, pausing between parts.'
complete -c container-exit -l info -d 'Show the page (what the command does anyway).'
complete -c container-exit -s h -l help -d 'Print this help and exit.'
