# lit configuration for the crate regression tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "CRATE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "Integration", "Library", "data"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.crate_obj_root, "test")

config.substitutions.append(("%crate_src", config.crate_src_root))
config.substitutions.append(("%crate_docs", config.crate_docs_dir))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.crate_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["crate-opt", "crate-compile", "crate-run", "FileCheck", "not", "count"], tool_dirs)
