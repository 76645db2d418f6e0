// gpt2c-run tokenize ARTIFACT TEXT: prints the token ids of TEXT on one line with
// the artifact's tokenizer; with --decode, TEXT is a list of ids and the text is printed.
#include "ArtifactOptions.h"
#include "Commands.h"
#include "gpt2c/support/InputOutput.h"

#include <cstdio>

namespace gpt2c::run {

int runTokenize(std::span<const std::string> args) {
  ArtifactOptions artifact;
  std::string text;
  bool decode = false, special = false;
  CommandLine command("gpt2c-run tokenize", "Encode text into GPT-2 token ids, or decode ids");
  command.positional("ARTIFACT", "compiled artifact directory (NAME.gpt2c)", artifact.artifact);
  command.positional("TEXT", "text, or ids with --decode", text);
  command.option("tokenizer", "DIR", "vocab.json and merges.txt to use (default: the artifact's)",
                 artifact.tokenizerDir);
  command.flag("decode", "decode ids (comma or space separated) to text", decode);
  command.flag("special", "parse special tokens such as <|endoftext|> in TEXT", special);
  if (!command.parse(args))
    return 0;
  Tokenizer tokenizer = artifact.loadTokenizer();
  if (decode) {
    std::string bytes = tokenizer.decode(parseIdList(text, "TEXT"));
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fputs("\n", stdout);
    return 0;
  }
  std::vector<std::int32_t> ids = tokenizer.encode(text, EncodeOptions{.allowSpecial = special});
  fmt::print("{}\n", fmt::join(ids, " "));
  return 0;
}

} // namespace gpt2c::run
