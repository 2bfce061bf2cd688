complete -c shell-setup -l guided -d 'Explain what PATH is and what will change before doing it.'
complete -c shell-setup -l force -d 'Write the block again even when PATH is already right.'
complete -c shell-setup -l check -d 'Only report whether PATH is right (exit 1 when it is not).'
complete -c shell-setup -s h -l help -l info -d 'Print this help and exit.'
