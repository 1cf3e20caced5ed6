"""A recording stand-in for the `modal` client (no account or network in CI), for the tests of
deploy/modal/build_index.py. Its public names and signatures follow Modal's Python client 1.x
(keyword-only arguments included), so a misspelt or misplaced argument fails here as it would there;
each call is appended to CALLS instead of reaching Modal's servers. Functions run in-process."""

CALLS = []

AUTO_DOCKERIGNORE = object()


def _record(call, **arguments):
    CALLS.append((call, arguments))


def is_local() -> bool:
    return True


class Image:
    def __init__(self, steps):
        self.steps = steps

    @staticmethod
    def from_dockerfile(path, *, force_build=False, context_dir=None, env=None, secrets=None, gpu=None,
                        add_python=None, build_args={}, ignore=AUTO_DOCKERIGNORE):
        arguments = dict(path=path, force_build=force_build, context_dir=context_dir, env=env, secrets=secrets,
                         gpu=gpu, add_python=add_python, build_args=dict(build_args))
        _record("Image.from_dockerfile", **arguments)
        return Image([("from_dockerfile", arguments)])

    def entrypoint(self, entrypoint_commands):
        if not isinstance(entrypoint_commands, list) or not all(isinstance(c, str) for c in entrypoint_commands):
            raise TypeError("entrypoint_commands must be a list of strings")
        _record("Image.entrypoint", entrypoint_commands=entrypoint_commands)
        return Image(self.steps + [("entrypoint", {"entrypoint_commands": entrypoint_commands})])

    def env(self, vars):
        _record("Image.env", vars=vars)
        return Image(self.steps + [("env", {"vars": dict(vars)})])


class Secret:
    def __init__(self, description):
        self.description = description

    @staticmethod
    def from_name(name, *, environment_name=None, required_keys=[]):
        _record("Secret.from_name", name=name, environment_name=environment_name, required_keys=list(required_keys))
        return Secret({"name": name, "required_keys": list(required_keys)})

    @staticmethod
    def from_dict(env_dict={}):
        _record("Secret.from_dict", env_dict=dict(env_dict))
        return Secret({"env": dict(env_dict)})


class Retries:
    def __init__(self, *, max_retries, backoff_coefficient=2.0, initial_delay=1.0, max_delay=60.0):
        # Modal's own bounds.
        if not 0 <= max_retries <= 10:
            raise ValueError("max_retries must be between 0 and 10")
        if not 1.0 <= backoff_coefficient <= 10.0:
            raise ValueError("backoff_coefficient must be between 1.0 and 10.0")
        if not 0.0 <= initial_delay <= 60.0 or not 1.0 <= max_delay <= 60.0:
            raise ValueError("delays must be between 0 and 60 seconds")
        self.max_retries = max_retries
        self.backoff_coefficient = backoff_coefficient
        self.initial_delay = initial_delay
        self.max_delay = max_delay


class Function:
    def __init__(self, raw, options):
        self.raw = raw
        self.options = options

    def local(self, *args, **kwargs):
        return self.raw(*args, **kwargs)

    def remote(self, *args, **kwargs):
        return self.raw(*args, **kwargs)

    def starmap(self, input_iterator, *, kwargs={}, order_outputs=True, return_exceptions=False,
                wrap_returned_exceptions=True):
        for arguments in input_iterator:
            try:
                yield self.raw(*arguments, **kwargs)
            except Exception as error:
                if not return_exceptions:
                    raise
                yield error


class App:
    def __init__(self, name=None, *, tags=None, image=None, secrets=[], volumes={}, include_source=None):
        _record("App", name=name, image=image)
        self.name = name
        self.image = image
        self.functions = {}
        self.local_entrypoints = {}

    def function(self, _warn_parentheses_missing=None, *, image=None, schedule=None, env=None, secrets=[],
                 gpu=None, serialized=False, network_file_systems={}, volumes={}, cpu=None, memory=None,
                 ephemeral_disk=None, min_containers=None, max_containers=None, buffer_containers=None,
                 scaledown_window=None, proxy=None, retries=None, timeout=None, startup_timeout=None,
                 name=None, cloud=None, region=None, enable_memory_snapshot=False, block_network=False,
                 restrict_modal_access=False, single_use_containers=False, i6pn=None):
        if _warn_parentheses_missing is not None:
            raise TypeError("use @app.function() with parentheses")
        options = dict(image=image, env=env, secrets=list(secrets), gpu=gpu, cpu=cpu, memory=memory,
                       retries=retries, timeout=timeout)

        def decorate(raw):
            _record("App.function", function=raw.__name__, **options)
            function = Function(raw, options)
            self.functions[raw.__name__] = function
            return function

        return decorate

    def local_entrypoint(self, _warn_parentheses_missing=None, *, name=None):
        if _warn_parentheses_missing is not None:
            raise TypeError("use @app.local_entrypoint() with parentheses")

        def decorate(raw):
            _record("App.local_entrypoint", function=raw.__name__)
            self.local_entrypoints[raw.__name__] = raw
            return raw

        return decorate
