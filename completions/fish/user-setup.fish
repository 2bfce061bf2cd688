complete -c user-setup -l quick -d 'Skip the experience questions and the explanations.'
complete -c user-setup -s h -l help -d 'Print this help and exit.'
