# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_gpu_allocator_global_optspecs
    string join \n h/help
end

function __fish_gpu_allocator_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_gpu_allocator_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_gpu_allocator_using_subcommand
    set -l cmd (__fish_gpu_allocator_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -s h -l help -d 'show this help and exit'
complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -f -a "allocate" -d 'pick one GPU/MIG slot for a container'
complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -f -a "release" -d 'forget a container\'s GPU (removing the container frees it)'
complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -f -a "status" -d 'show which slots are taken'
complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -f -a "user-count" -d 'print how many GPU containers a user has'
complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -f -a "release-stale" -d 'remove stopped containers whose GPU hold is over'
complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -f -a "allocate-multi" -d 'pick several slots for one container'
complete -c gpu_allocator -n "__fish_gpu_allocator_needs_command" -f -a "allocate-external" -d 'pick a slot for a container made outside ds01 (devcontainer, compose, docker run)'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand allocate" -s h -l help -d 'Print this help and exit.'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand release" -s h -l help -d 'Print this help and exit.'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand status" -s h -l help -d 'Print this help and exit.'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand status" -l json -d 'print the allocations and reservations as JSON'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand user-count" -s h -l help -d 'Print this help and exit.'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand release-stale" -s h -l help -d 'Print this help and exit.'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand allocate-multi" -s h -l help -d 'Print this help and exit.'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand allocate-multi" -l prefer-full -d 'accepted for compatibility (no effect)'
complete -c gpu_allocator -n "__fish_gpu_allocator_using_subcommand allocate-external" -s h -l help -d 'Print this help and exit.'
