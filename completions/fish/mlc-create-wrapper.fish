complete -c mlc-create-wrapper -s w -l workspace -d 'Workspace directory, as -w=PATH (default ~/workspace).' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create-wrapper -s d -l data -d 'Data directory, as -d=PATH.' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create-wrapper -s g -l gpu -d 'A specific GPU 0-3, as -g=N (administrators only).' -r -f
complete -c mlc-create-wrapper -l image -d 'A custom image built with image-create, as --image=REF.' -r -f
complete -c mlc-create-wrapper -l num-gpus -d 'How many GPU slots, as --num-gpus=N.' -r -f
complete -c mlc-create-wrapper -l cpu-only -d 'No GPU at all.'
complete -c mlc-create-wrapper -l prefer-full -d 'Allocate through allocate-multi.'
complete -c mlc-create-wrapper -l show-limits -d 'Show your resource limits and exit.'
complete -c mlc-create-wrapper -l dry-run -d 'Show what would be created, without creating it.'
