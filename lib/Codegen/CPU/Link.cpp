//===- Link.cpp - libNAME.so and libNAME.a from the model object ----------===//
//
// The system linker joins the model object with the precompiled runtime.
// The shared library links libstdc++ and libgcc statically and hides every
// symbol but the NAME_* API, so it needs only libc, libm and pthreads. The
// static library is the runtime archive plus the model object (NAME.o):
// two such libraries linked into one program share one copy of the runtime.
//
//===----------------------------------------------------------------------===//

#include "crate/Codegen/CPU/Library.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace crate::codegen {

/// Runs `program` with `args`; on failure describes the command.
static bool run(StringRef program, std::vector<std::string> args, bool verbose,
                std::string &error) {
  ErrorOr<std::string> path = sys::findProgramByName(program);
  if (!path) {
    error = ("cannot find '" + program +
             "' on PATH (needed to link the "
             "library; install binutils and g++)")
                .str();
    return false;
  }
  args.insert(args.begin(), *path);
  std::vector<StringRef> refs(args.begin(), args.end());
  if (verbose) {
    errs() << "crate-compile: running";
    for (StringRef a : refs)
      errs() << " " << a;
    errs() << "\n";
  }
  std::string message;
  int rc = sys::ExecuteAndWait(*path, refs, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = (program + " failed (exit " + Twine(rc) + ")" +
             (message.empty() ? "" : ": " + message))
                .str();
    return false;
  }
  return true;
}

bool linkLibraries(const std::vector<std::string> &objectPaths,
                   const std::string &runtimeArchive,
                   const std::string &sharedPath, const std::string &staticPath,
                   bool verbose, std::string &error) {
  if (!sys::fs::exists(runtimeArchive)) {
    error = "cannot find the crate runtime archive " + runtimeArchive;
    return false;
  }
  std::vector<std::string> linkArgs = {"-shared", "-o", sharedPath};
  linkArgs.insert(linkArgs.end(), objectPaths.begin(), objectPaths.end());
  linkArgs.push_back(runtimeArchive);
  for (const char *arg :
       {"-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL",
        "-Wl,-z,defs", "-Wl,--gc-sections", "-Wl,-O1", "-lm", "-lpthread"})
    linkArgs.push_back(arg);
#ifdef CRATE_SANITIZE_LINK_FLAG
  // Sanitizer builds (cmake/CrateSanitize.cmake): the runtime archive is
  // instrumented, so the library links the sanitizer runtime too.
  linkArgs.push_back(CRATE_SANITIZE_LINK_FLAG);
#endif
  if (!run("g++", linkArgs, verbose, error))
    return false;

  sys::fs::remove(staticPath);
  if (std::error_code ec = sys::fs::copy_file(runtimeArchive, staticPath)) {
    error = "cannot write " + staticPath + ": " + ec.message();
    return false;
  }
  std::vector<std::string> arArgs = {"rs", staticPath};
  arArgs.insert(arArgs.end(), objectPaths.begin(), objectPaths.end());
  return run("ar", arArgs, verbose, error);
}

} // namespace crate::codegen
