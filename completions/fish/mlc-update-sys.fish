complete -c mlc-update-sys -s h -l help -d 'Print this help and exit.'
complete -c mlc-update-sys -s f -l force -d 'Update without asking first.'
