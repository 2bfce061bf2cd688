complete -c devcontainer-init -l framework -d 'Base image framework: pytorch (default), tensorflow, jax, minimal.' -r -f
complete -c devcontainer-init -l extensions -d 'VS Code extensions to install in the container, comma-separated.' -r -f
complete -c devcontainer-init -l requirements -d 'A requirements.txt that pip installs when the container is made.' -r -f
complete -c devcontainer-init -s p -l packages -d 'More pip packages, space-separated.' -r -f
complete -c devcontainer-init -s s -l system -d 'Ubuntu packages to apt-get install, space-separated.' -r -f
complete -c devcontainer-init -l output -d 'Where to write the file (default .devcontainer/devcontainer.json).' -r -f
complete -c devcontainer-init -l no-gpu -d 'No GPU: the container may run as long as you like.'
complete -c devcontainer-init -l full-gpu -d 'Ask for a whole GPU rather than a MIG slice (quota permitting).'
complete -c devcontainer-init -l guided -d 'Explain each step on the way.'
complete -c devcontainer-init -l quick -d 'Ask nothing; take the defaults.'
complete -c devcontainer-init -s h -l help -d 'Print this help and exit.'
complete -c devcontainer-init -l info -d 'Print the full reference and exit.'
complete -c devcontainer-init -l concepts -d 'Explain dev containers on ds01, and exit.'
