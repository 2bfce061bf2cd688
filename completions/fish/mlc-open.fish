complete -c mlc-open -s h -l help -d 'Print this help and exit.'
complete -c mlc-open -s s -l script -d 'Never ask questions; fail instead (for scripts).'
