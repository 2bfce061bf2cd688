complete -c mlc-remove -s h -l help -d 'Print this help and exit.'
complete -c mlc-remove -s f -l force -d 'Do not ask for confirmation.'
complete -c mlc-remove -s s -l script -d 'Never ask questions; fail instead (for scripts).'
