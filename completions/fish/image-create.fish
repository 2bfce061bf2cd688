complete -c image-create -s f -l framework -d 'Base framework: pytorch, tensorflow, jax, pytorch-cpu or custom.' -r -f
complete -c image-create -s t -l type -d 'Use case whose packages are added: ml, cv, nlp, rl, audio, ts, llm, custom.' -r -f
complete -c image-create -s p -l packages -d 'More Python packages, space-separated (version specifiers allowed).' -r -f
complete -c image-create -s s -l system -d 'Ubuntu packages to install with apt, space-separated.' -r -f
complete -c image-create -s r -l requirements -d 'Install what a requirements.txt lists (replaces the use case).' -r -f
complete -c image-create -l dockerfile -d 'Build this Dockerfile as it is instead of writing one.' -r -f
complete -c image-create -l project-dockerfile -d 'Keep the Dockerfile in ~/workspace/PROJECT/ (a NAME-image names PROJECT).'
complete -c image-create -l no-build -d 'Only write the Dockerfile; show the command that builds it.'
complete -c image-create -l guided -d 'Explain each step on the way, for a first image.'
complete -c image-create -s h -l help -d 'Print this help and exit.'
complete -c image-create -l info -d 'Print this help with every option grouped by purpose.'
complete -c image-create -l concepts -d 'Explain images, Dockerfiles and containers, and exit.'
