complete -c image-update -l add -d 'Add these pip packages, then rebuild.' -r -f
complete -c image-update -s r -l requirements -d 'Add the packages of a requirements.txt, then rebuild.' -r -f
complete -c image-update -l add-system -d 'Add these apt packages, then rebuild.' -r -f
complete -c image-update -l rebuild -d 'Rebuild from the Dockerfile as it is, without asking.'
complete -c image-update -l edit -d 'Open the Dockerfile in $EDITOR (or vim, vi, nano, emacs) first.'
complete -c image-update -l guided -d 'Explain image updates before the menu.'
complete -c image-update -l no-cache -d 'Build every step again instead of reusing the cache.'
complete -c image-update -l concepts -d 'What updating an image means, in short.'
complete -c image-update -l info -d 'The full reference page.'
complete -c image-update -s h -l help -d 'Print this help and exit.'
