"""Lambda-compatible function hosting: code storage, a warm worker pool, sandboxing.

Kept free of imports on purpose: `roost.functions.worker` runs as the entry point of every worker
process, and importing this package must cost nothing there.

    model.py    FunctionConfig, Invocation, InvocationLog: what a function is and what a run gave
    code.py     deployment packages: zip checks, unpacking into a per-hash cache
    checks.py   Lambda's checks on a function's settings (runtime, role, timeout, memory ...)
    environment.py  the environment a worker runs with (Lambda's variables, endpoints, credentials)
    worker.py   the worker process: loads one function's handler once, runs invocations sent to it
    pool.py     warm workers per function revision; timeout, memory and crash containment
    dispatch.py FairQueue: asynchronous invocations taking turns between functions
    permissions.py  a function's resource policy (AddPermission, RemovePermission, GetPolicy)
    host.py     FunctionHost: create/update/delete/invoke, the environment a function runs in
"""
