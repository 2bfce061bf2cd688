complete -c new-project -l type -d 'Project type: ml, cv, nlp, rl, audio, ts, llm or custom (default ml).' -r -f
complete -c new-project -l desc -d 'A one-line description for pyproject.toml and the README.' -r -f
complete -c new-project -l quick -d 'Ask nothing at all (needs a name): type ml, data-science folders, Git.'
complete -c new-project -l guided -d 'Explain every step (project-init always does).'
complete -c new-project -l no-git -d 'Make no Git repository.'
complete -c new-project -l blank -d 'An empty folder instead of the data-science layout.'
complete -c new-project -s h -l help -d 'Print this help and exit.'
complete -c new-project -l info -d 'Print every option and what gets written, and exit.'
complete -c new-project -l concepts -d 'Explain projects before you make one, and exit.'
