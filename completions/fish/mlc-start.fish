complete -c mlc-start -s h -l help -d 'Print this help and exit.'
complete -c mlc-start -s d -l detach -d 'Run the command in the background and do not show its output.'
complete -c mlc-start -s s -l script -d 'Never ask questions; fail instead (for scripts).'
