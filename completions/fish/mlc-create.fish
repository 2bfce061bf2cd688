complete -c mlc-create -l architecture -d 'GPU architecture whose images to use. Without it, MLC_ARCH is used, and without that the host\'s architecture is detected. Order of precedence: -arch, then MLC_ARCH, then detection. (also: -arch)' -r -f
complete -c mlc-create -s d -l data_dir -d 'Host directory mounted as /data.' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create -s g -l num_gpus -d 'GPUs given to the container (a number, all, or device=...). Default: all.' -r -f
complete -c mlc-create -s m -l models_dir -d 'Host directory mounted as /models.' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create -s w -l workspace_dir -d 'Host directory mounted as /workspace. Default: ~/workspace.' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create -s h -l help -d 'Print this help and exit.'
complete -c mlc-create -s i -l info -d 'List the frameworks and versions available here, then exit.'
complete -c mlc-create -s s -l script -d 'Never ask questions; fail instead (for scripts).'
