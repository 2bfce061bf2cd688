complete -c gpu_allocator_v2 -l prefer-full -d 'allocate-multi: accepted for compatibility (no effect).'
complete -c gpu_allocator_v2 -l json -d 'status: print the allocations and reservations as JSON.'
