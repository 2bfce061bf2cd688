complete -c vscode-setup -l project -d 'Use this project\'s folder in the steps.' -r -f
complete -c vscode-setup -l container -d 'Use this container in the steps.' -r -f
complete -c vscode-setup -l guided -d 'Explain each step along the way.'
complete -c vscode-setup -s h -l help -l info -d 'Print this help and exit.'
