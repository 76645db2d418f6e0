// gpt2c tokenize [--model DIR | --tokenizer DIR] TEXT: prints the token ids of TEXT
// on one line; with --decode, TEXT is a list of ids and the text is printed.
#include "Commands.h"
#include "Session.h"

#include "gpt2c/support/InputOutput.h"

#include "llvm/Support/raw_ostream.h"

namespace gpt2c::driver {

llvm::cl::SubCommand tokenizeCommand("tokenize", "Encode text into GPT-2 token ids, or decode ids");

namespace {
llvm::cl::opt<std::string> text(llvm::cl::Positional, llvm::cl::Required,
                                llvm::cl::desc("<text, or ids with --decode>"),
                                llvm::cl::sub(tokenizeCommand));
llvm::cl::opt<std::string> model("model", llvm::cl::desc("Model directory holding the tokenizer files"),
                                 llvm::cl::value_desc("DIR"), llvm::cl::sub(tokenizeCommand));
llvm::cl::opt<std::string> tokenizerDir("tokenizer",
                                        llvm::cl::desc("Directory with vocab.json and merges.txt"),
                                        llvm::cl::value_desc("DIR"), llvm::cl::sub(tokenizeCommand));
llvm::cl::opt<bool> decode("decode", llvm::cl::desc("Decode ids (comma or space separated) to text"),
                           llvm::cl::sub(tokenizeCommand));
llvm::cl::opt<bool> special("special",
                            llvm::cl::desc("Parse special tokens such as <|endoftext|> in TEXT"),
                            llvm::cl::sub(tokenizeCommand));
} // namespace

int runTokenize() {
  Tokenizer tokenizer = loadTokenizer(tokenizerDir, model.empty() ? std::string("synthetic:") : model.getValue());
  if (decode) {
    llvm::outs() << tokenizer.decode(parseIdList(text, "TEXT")) << "\n";
    return 0;
  }
  std::vector<std::int32_t> ids = tokenizer.encode(text, EncodeOptions{.allowSpecial = special});
  for (std::size_t i = 0; i < ids.size(); ++i)
    llvm::outs() << (i ? " " : "") << ids[i];
  llvm::outs() << "\n";
  return 0;
}

} // namespace gpt2c::driver
