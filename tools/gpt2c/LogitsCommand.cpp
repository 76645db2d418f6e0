// gpt2c logits MODEL (--prompt TEXT | --ids 1,2,3) [--all-positions] -o FILE.f32:
// writes raw little-endian float32 logits for comparison with other tools.
#include "Commands.h"
#include "Session.h"

#include "gpt2c/support/InputOutput.h"

#include "gpt2c/support/Error.h"

#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace gpt2c::driver {

llvm::cl::SubCommand logitsCommand("logits", "Write the logits of a prompt as raw float32");

namespace {
using llvm::cl::desc;
using llvm::cl::init;
using llvm::cl::sub;
using llvm::cl::value_desc;

ModelOptions common(logitsCommand);
llvm::cl::opt<std::string> prompt("prompt", desc("Prompt text"), value_desc("TEXT"), sub(logitsCommand));
llvm::cl::opt<std::string> ids("ids", desc("Prompt token ids, e.g. 464,2068,7586"), value_desc("IDS"),
                               sub(logitsCommand));
llvm::cl::opt<bool> allPositions("all-positions",
                                 desc("Write every position's row (default: the last one)"),
                                 sub(logitsCommand));
llvm::cl::opt<std::string> output("o", llvm::cl::Required, desc("Output file (raw float32)"),
                                  value_desc("FILE"), sub(logitsCommand));
} // namespace

int runLogits() {
  setThreads(common.threads);
  if (prompt.getNumOccurrences() == ids.getNumOccurrences())
    fail("give exactly one of --prompt TEXT and --ids LIST");
  std::vector<std::int32_t> tokens =
      ids.getNumOccurrences() ? parseIdList(ids, "--ids") : loadTokenizer(common.tokenizerDir, common.model).encode(prompt);
  if (tokens.empty())
    fail("the prompt has no tokens");
  std::unique_ptr<Backend> backend = common.openBackend();
  std::vector<float> logits = backend->forward(tokens, allPositions);

  writeFloats(output, logits);
  llvm::errs() << "wrote " << logits.size() / backend->config().vocabSize << " x "
               << backend->config().vocabSize << " float32 logits to " << output << "\n";
  return 0;
}

} // namespace gpt2c::driver
