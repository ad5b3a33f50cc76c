// Every CUDA kernel entry point declared in tensor/cuda/kernels.h starts with XG_GPU_ENTRY
// of its own name, so a run of the CUDA tests can prove that each one ran on a GPU
// (scripts/gpu-check.sh). Reads the sources: it runs in every build, CUDA or not.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "test_util.h"

namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::filesystem::path kCudaDir = std::filesystem::path(XGRAD_TEST_DIR) / ".." / "tensor" / "cuda";

std::vector<std::string> declared() {
  const std::string h = read(kCudaDir / "kernels.h");
  const std::regex decl(R"(\n(?:void|bool) ([a-z_0-9]+)\()");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(h.begin(), h.end(), decl); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace

TEST(CudaEntryPoints, EveryDeclaredEntryPointCountsItsCalls) {
  const auto names = declared();
  ASSERT_GE(names.size(), 40u) << "tensor/cuda/kernels.h was not read from " << kCudaDir;
  std::map<std::string, int> definitions;
  for (const auto& entry : std::filesystem::directory_iterator(kCudaDir)) {
    const auto path = entry.path();
    if (path.filename() == "unavailable.cpp" || (path.extension() != ".cu" && path.extension() != ".cpp")) continue;
    const std::string src = read(path);
    for (const auto& name : names) {
      // A definition at namespace scope: the signature, its opening brace, then the counter.
      const std::regex def("\\n(?:void|bool) " + name + "\\([^;{]*\\{\\n  XG_GPU_ENTRY\\(" + name + "\\);");
      const std::regex any("\\n(?:void|bool) " + name + "\\([^;{]*\\{");
      const bool counted = std::regex_search(src, def);
      if (std::regex_search(src, any)) {
        ++definitions[name];
        EXPECT_TRUE(counted) << name << " in " << path.filename() << " does not start with XG_GPU_ENTRY(" << name << ")";
      }
    }
  }
  for (const auto& name : names) EXPECT_EQ(definitions[name], 1) << name << ": definitions found in tensor/cuda/";
}
