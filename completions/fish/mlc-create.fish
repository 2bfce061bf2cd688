complete -c mlc-create -l architecture -d 'GPU architecture whose images to use. Without it, MLC_ARCH is used, and without that the host\'s architecture is detected. Order of precedence: -arch, then MLC_ARCH, then detection. (also: -arch)' -r -f
complete -c mlc-create -s d -l data_dir -d 'Host directory mounted as /data.' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create -s g -l num_gpus -d 'GPUs given to the container (a number, all, or device=...). Default: all.' -r -f
complete -c mlc-create -s m -l models_dir -d 'Host directory mounted as /models.' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create -s w -l workspace_dir -d 'Host directory mounted as /workspace. Default: ~/workspace.' -r -f -a "(__fish_complete_directories)"
complete -c mlc-create -l image -d 'DS01: create from this local image instead of the catalog (framework and version become optional).' -r -f
complete -c mlc-create -l cpus -d 'DS01: CPU limit, as docker\'s --cpus.' -r -f
complete -c mlc-create -l memory -d 'DS01: memory limit, as docker\'s --memory (e.g. 32g).' -r -f
complete -c mlc-create -l memory-swap -d 'DS01: memory plus swap limit, as docker\'s --memory-swap.' -r -f
complete -c mlc-create -l shm-size -d 'DS01: size of /dev/shm (replaces the host IPC namespace).' -r -f
complete -c mlc-create -l pids-limit -d 'DS01: maximum number of processes.' -r -f
complete -c mlc-create -l cgroup-parent -d 'DS01: cgroup (systemd slice) to place the container in.' -r -f
complete -c mlc-create -l ds01-label -d 'DS01: extra container label KEY=VALUE (repeatable).' -r
complete -c mlc-create -s h -l help -d 'Print this help and exit.'
complete -c mlc-create -s i -l info -d 'List the frameworks and versions available here, then exit.'
complete -c mlc-create -s s -l script -d 'Never ask questions; fail instead (for scripts).'
