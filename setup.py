"""Builds backprop._core with CMake (the same library as the CLI) for setuptools; the rest of
the package metadata is in pyproject.toml. Install: python3 -m pip install --no-build-isolation ."""
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        root = os.path.dirname(os.path.abspath(__file__))
        build = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        staged = os.path.join(build, "python")
        subprocess.check_call([
            "cmake", "-S", root, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
            "-DBACKPROP_BUILD_TESTS=OFF", "-DBACKPROP_REQUIRE_PYTHON=ON", "-DBACKPROP_BUILD_PYTHON=ON",
            f"-DPython_EXECUTABLE={sys.executable}", f"-DBACKPROP_PYTHON_DIR={staged}",
            *shlex.split(os.environ.get("CMAKE_ARGS", ""))])  # e.g. -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.check_call(["cmake", "--build", build, "--target", "backprop_python", "-j", jobs])
        built = [f for f in os.listdir(os.path.join(staged, "backprop")) if f.startswith("_core")]
        if len(built) != 1:
            raise RuntimeError(f"expected one _core extension in {staged}/backprop, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        self.copy_file(os.path.join(staged, "backprop", built[0]), target)


setup(ext_modules=[Extension("backprop._core", sources=[])], cmdclass={"build_ext": CMakeBuild})
