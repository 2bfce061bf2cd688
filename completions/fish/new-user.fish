complete -c new-user -l quick -d 'Skip the experience questions and the explanations.'
complete -c new-user -s h -l help -d 'Print this help and exit.'
