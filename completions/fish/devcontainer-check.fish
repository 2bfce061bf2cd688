complete -c devcontainer-check -l fix -d 'Add "shutdownAction": "stopContainer" when it is missing.'
complete -c devcontainer-check -l json -d 'Print the results as JSON instead of text.'
complete -c devcontainer-check -s h -l help -d 'Print this help and exit.'
