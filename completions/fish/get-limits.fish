complete -c get-limits -s v -l verbose -d 'Also show the task (process) limit.'
