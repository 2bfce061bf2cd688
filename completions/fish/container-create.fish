complete -c container-create -l num-gpus -d 'How many GPUs to ask for (default 1; asked when you may have more).' -r -f
complete -c container-create -s w -l workspace -d 'Mount DIR at /workspace (default ~/workspace/NAME).' -r -f -a "(__fish_complete_directories)"
complete -c container-create -s d -l data -d 'Mount a further data directory.' -r -f -a "(__fish_complete_directories)"
complete -c container-create -l guided -d 'Explain every step and wait for Enter between them.'
complete -c container-create -l cpu-only -d 'No GPU for this container.'
complete -c container-create -l dry-run -d 'Show what would be created, and create nothing.'
complete -c container-create -s h -l help -d 'Print this help and exit.'
complete -c container-create -l prefer-full -d 'Accepted for old scripts; every GPU slot is a full GPU.'
complete -c container-create -l info -d 'Print the full reference and exit.'
complete -c container-create -l concepts -d 'Explain containers, images and workspaces, and exit.'
