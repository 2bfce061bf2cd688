# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mlc_global_optspecs
    string join \n h/help v/version
end

function __fish_mlc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mlc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mlc_using_subcommand
    set -l cmd (__fish_mlc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mlc -n "__fish_mlc_needs_command" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_needs_command" -s v -l version -d 'Print the version and exit.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "create" -d 'Make a new container from the image catalog.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "list" -d 'Show your containers.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "open" -d 'Open a shell in one of your containers.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "remove" -d 'Delete a stopped container and its image.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "start" -d 'Start a stopped container.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "stats" -d 'Show CPU and memory use of running containers.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "stop" -d 'Stop a running container.'
complete -c mlc -n "__fish_mlc_needs_command" -f -a "update-sys" -d 'Update the MLC installation.'
complete -c mlc -n "__fish_mlc_using_subcommand create" -l architecture -d 'GPU architecture whose images to use. Without it, MLC_ARCH is used, and without that the host\'s architecture is detected. Order of precedence: -arch, then MLC_ARCH, then detection. (also: -arch)' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -s d -l data_dir -d 'Host directory mounted as /data.' -r -f -a "(__fish_complete_directories)"
complete -c mlc -n "__fish_mlc_using_subcommand create" -s g -l num_gpus -d 'GPUs given to the container (a number, all, or device=...). Default: all.' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -s m -l models_dir -d 'Host directory mounted as /models.' -r -f -a "(__fish_complete_directories)"
complete -c mlc -n "__fish_mlc_using_subcommand create" -s w -l workspace_dir -d 'Host directory mounted as /workspace. Default: ~/workspace.' -r -f -a "(__fish_complete_directories)"
complete -c mlc -n "__fish_mlc_using_subcommand create" -l image -d 'DS01: create from this local image instead of the catalog (framework and version become optional).' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -l cpus -d 'DS01: CPU limit, as docker\'s --cpus.' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -l memory -d 'DS01: memory limit, as docker\'s --memory (e.g. 32g).' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -l memory-swap -d 'DS01: memory plus swap limit, as docker\'s --memory-swap.' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -l shm-size -d 'DS01: size of /dev/shm (replaces the host IPC namespace).' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -l pids-limit -d 'DS01: maximum number of processes.' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -l cgroup-parent -d 'DS01: cgroup (systemd slice) to place the container in.' -r -f
complete -c mlc -n "__fish_mlc_using_subcommand create" -l ds01-label -d 'DS01: extra container label KEY=VALUE (repeatable).' -r
complete -c mlc -n "__fish_mlc_using_subcommand create" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand create" -s i -l info -d 'List the frameworks and versions available here, then exit.'
complete -c mlc -n "__fish_mlc_using_subcommand create" -s s -l script -d 'Never ask questions; fail instead (for scripts).'
complete -c mlc -n "__fish_mlc_using_subcommand list" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand list" -s a -l all -d 'Show every column.'
complete -c mlc -n "__fish_mlc_using_subcommand list" -l all_users -d 'Show the containers of every user, with a USER column. (also: -au)'
complete -c mlc -n "__fish_mlc_using_subcommand list" -l architecture -d 'Add the GPU architecture column. (also: -arch)'
complete -c mlc -n "__fish_mlc_using_subcommand list" -s d -l data -d 'Add the data directory column.'
complete -c mlc -n "__fish_mlc_using_subcommand list" -s m -l models -d 'Add the models directory column.'
complete -c mlc -n "__fish_mlc_using_subcommand list" -s s -l size -d 'Add the disk size column.'
complete -c mlc -n "__fish_mlc_using_subcommand list" -s w -l workspace -d 'Add the workspace directory column.'
complete -c mlc -n "__fish_mlc_using_subcommand open" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand open" -s s -l script -d 'Never ask questions; fail instead (for scripts).'
complete -c mlc -n "__fish_mlc_using_subcommand remove" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand remove" -s f -l force -d 'Do not ask for confirmation.'
complete -c mlc -n "__fish_mlc_using_subcommand remove" -s s -l script -d 'Never ask questions; fail instead (for scripts).'
complete -c mlc -n "__fish_mlc_using_subcommand start" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand start" -s d -l detach -d 'Run the command in the background and do not show its output.'
complete -c mlc -n "__fish_mlc_using_subcommand start" -s s -l script -d 'Never ask questions; fail instead (for scripts).'
complete -c mlc -n "__fish_mlc_using_subcommand stats" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand stop" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand stop" -s f -l force -d 'Do not ask for confirmation.'
complete -c mlc -n "__fish_mlc_using_subcommand stop" -s s -l script -d 'Never ask questions; fail instead (for scripts).'
complete -c mlc -n "__fish_mlc_using_subcommand update-sys" -s h -l help -d 'Print this help and exit.'
complete -c mlc -n "__fish_mlc_using_subcommand update-sys" -s f -l force -d 'Update without asking first.'
