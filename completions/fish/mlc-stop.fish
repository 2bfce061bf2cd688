complete -c mlc-stop -s h -l help -d 'Print this help and exit.'
complete -c mlc-stop -s f -l force -d 'Do not ask for confirmation.'
complete -c mlc-stop -s s -l script -d 'Never ask questions; fail instead (for scripts).'
