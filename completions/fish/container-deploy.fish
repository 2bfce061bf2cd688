complete -c container-deploy -l framework -d 'Make it from an AIME framework image (pytorch, tensorflow) instead of your own.' -r -f
complete -c container-deploy -l image -d 'Make it from this image instead of ds01-UID/NAME:latest.' -r -f
complete -c container-deploy -s w -l workspace -d 'The folder mounted as /workspace (default ~/workspace/NAME).' -r -f
complete -c container-deploy -l project -d 'Mount ~/workspace/NAME (and call the container NAME when unnamed).' -r -f
complete -c container-deploy -s d -l data -d 'Also mount this data folder.' -r -f
complete -c container-deploy -l guided -d 'Explain each step as it happens.'
complete -c container-deploy -l cpu-only -d 'No GPU.'
complete -c container-deploy -l background -d 'Start it in the background.'
complete -c container-deploy -l open -d 'Start it and open a shell in it.'
complete -c container-deploy -l dry-run -d 'Show what would be made, and make nothing.'
complete -c container-deploy -s h -l help -d 'Print this help and exit.'
complete -c container-deploy -l info -d 'Print the full reference and exit.'
complete -c container-deploy -l concepts -d 'Explain deploying, and exit.'
