"""deploy/modal/build_index.py imported as Modal imports it, with the recording stub of `modal` beside
this file: from a copy at a container-like path (/root/build_index.py, no repository around it) and from
a copy inside a repository-like tree, where its image description must point at that tree's Dockerfile.
Run with Debian's /usr/bin/python3 by ModalAppTests."""
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[2]
sys.path.insert(0, str(HERE))

import modal  # noqa: E402  (the stub)


def load(file: Path):
    modal.CALLS.clear()
    spec = importlib.util.spec_from_file_location(f"build_index_{abs(hash(file))}", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def call(name):
    matches = [arguments for called, arguments in modal.CALLS if called == name]
    if not matches:
        raise AssertionError(f"{name} was not called; calls: {[c for c, _ in modal.CALLS]}")
    return matches


class ContainerPathTests(unittest.TestCase):
    """Modal mounts the file alone at /root/build_index.py and imports it in every container: here a
    copy directly inside /tmp, a top-level directory like /root, so the file has only two parents."""

    def setUp(self):
        descriptor, name = tempfile.mkstemp(prefix="build_index_", suffix=".py", dir="/tmp")
        with open(descriptor, "w") as copy:
            copy.write((REPOSITORY / "deploy/modal/build_index.py").read_text())
        self.file = Path(name)
        self.assertEqual(len(self.file.resolve().parents), 2)

    def tearDown(self):
        self.file.unlink()

    def test_imports_without_a_repository_around_it(self):
        module = load(self.file)
        self.assertEqual(module.REPOSITORY, self.file.resolve().parent)
        self.assertEqual(call("App")[0]["name"], "faiss-shard-builder")

    def test_partition_runs_the_image_entrypoint_in_run_once_mode_on_supabase_storage(self):
        module = load(self.file)
        runs = []

        def run(command, **options):
            runs.append((command, options))
            return subprocess.CompletedProcess(command, 0)

        module.subprocess.run = run
        self.assertEqual(module.build_partition.local(3, 8), 0)
        command, options = runs[0]
        self.assertEqual(command, ["/usr/local/bin/fsb-entrypoint", "--fsb.job.run-once=true",
                                   "--fsb.job.partition-index=3", "--fsb.job.partition-count=8"])
        self.assertEqual(options["env"]["FSB_STORAGE_TYPE"], "supabase")
        self.assertEqual(options["cwd"], "/app")

    def test_final_exit_codes_are_returned_and_others_raise_so_modal_retries(self):
        module = load(self.file)
        for code, retried in ((1, False), (2, False), (137, True), (143, True)):
            module.subprocess.run = lambda command, code=code, **options: subprocess.CompletedProcess(command, code)
            if retried:
                with self.assertRaises(RuntimeError):
                    module.build_partition.local(0, 1)
            else:
                self.assertEqual(module.build_partition.local(0, 1), code)

    def test_local_entrypoint_fans_out_one_call_per_partition_and_fails_when_one_did_not_build(self):
        module = load(self.file)
        seen = []

        def run(command, **options):
            seen.append(command[2])
            return subprocess.CompletedProcess(command, 1 if command[2].endswith("=2") else 0)

        module.subprocess.run = run
        with self.assertRaises(SystemExit) as failure:
            module.main(partitions=3)
        self.assertEqual(seen, [f"--fsb.job.partition-index={i}" for i in range(3)])
        self.assertIn("{2: 1}", str(failure.exception))


class RepositoryTests(unittest.TestCase):
    """Locally (modal run deploy/modal/build_index.py) the image is built from the checkout's Dockerfile."""

    def setUp(self):
        self.checkout = Path(tempfile.mkdtemp(prefix="checkout"))
        (self.checkout / "deploy/modal").mkdir(parents=True)
        for name in ("Dockerfile", "pom.xml", "deploy/modal/build_index.py"):
            shutil.copy(REPOSITORY / name, self.checkout / name)
        self.module = load(self.checkout / "deploy/modal/build_index.py")

    def tearDown(self):
        shutil.rmtree(self.checkout)

    def test_image_is_the_repositorys_dockerfile_with_its_entrypoint_cleared(self):
        dockerfile = call("Image.from_dockerfile")[0]
        self.assertEqual(Path(dockerfile["path"]), self.checkout.resolve() / "Dockerfile")
        self.assertEqual(Path(dockerfile["context_dir"]), self.checkout.resolve())
        self.assertEqual(call("Image.entrypoint")[0]["entrypoint_commands"], [])
        steps = [step for step, _ in self.module.image.steps]
        self.assertEqual(steps, ["from_dockerfile", "entrypoint"])
        self.assertIs(call("App")[0]["image"], self.module.image)

    def test_python_is_added_as_root_through_a_build_argument_the_dockerfile_declares(self):
        dockerfile = call("Image.from_dockerfile")[0]
        self.assertIsNotNone(dockerfile["add_python"])
        self.assertEqual(dockerfile["build_args"], {"RUNTIME_USER": "root"})
        text = (REPOSITORY / "Dockerfile").read_text()
        final_stage = text[text.rindex("\nFROM "):]
        self.assertRegex(final_stage, r"\nARG RUNTIME_USER=10001\n")
        users = re.findall(r"^USER (.+)$", final_stage, re.MULTILINE)
        self.assertEqual(users, ["${RUNTIME_USER}"])
        self.assertIn("COPY scripts/run-service.sh /usr/local/bin/fsb-entrypoint", final_stage)

    def test_function_takes_supabase_and_token_secrets_and_retries(self):
        options = call("App.function")[0]
        self.assertEqual(options["function"], "build_partition")
        secrets = {secret.description["name"]: secret.description["required_keys"] for secret in options["secrets"]}
        self.assertEqual(secrets, {"faiss-shard-builder-supabase": ["SUPABASE_URL", "SUPABASE_KEY"],
                                   "faiss-shard-builder-tokens": ["FSB_API_TOKENS"]})
        self.assertGreater(options["retries"].max_retries, 0)
        self.assertEqual(call("App.local_entrypoint")[0]["function"], "main")


if __name__ == "__main__":
    unittest.main(verbosity=2)
