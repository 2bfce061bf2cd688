complete -c container-stop -s t -l timeout -d 'How long processes get to exit before SIGKILL (default 10).' -r -f
complete -c container-stop -l guided -d 'Explain each step as it happens.'
complete -c container-stop -s f -l force -d 'Kill at once (SIGKILL), without asking first.'
complete -c container-stop -s a -l all -d 'Stop every running container of yours, without asking.'
complete -c container-stop -s v -l verbose -d 'Say how the shutdown went (SIGTERM, SIGKILL).'
complete -c container-stop -l keep-container -d 'Say that the container is kept (it always is).'
complete -c container-stop -l concepts -d 'Explain stop, exit and retire, then exit.'
complete -c container-stop -l info -d 'Show the full reference, then exit.'
complete -c container-stop -s h -l help -d 'Print this help and exit.'
