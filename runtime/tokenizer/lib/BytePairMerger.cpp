#include "BytePairMerger.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <queue>
#include <tuple>

namespace gpt2c::bpe {

void BytePairMerger::encodeShort(std::string_view piece, std::vector<std::int32_t> &ids) const {
  assert(piece.size() <= kShortPieceBytes);
  std::size_t count = piece.size();
  if (count == 0)
    return;
  std::int32_t tokens[kShortPieceBytes];
  // pairs[i] is the merge of tokens[i] and tokens[i + 1].
  MergeResult pairs[kShortPieceBytes];
  for (std::size_t i = 0; i < count; ++i)
    tokens[i] = byteTokens_[static_cast<unsigned char>(piece[i])];
  for (std::size_t i = 0; i + 1 < count; ++i)
    pairs[i] = merges_.find(tokens[i], tokens[i + 1]);

  while (count > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < count; ++i)
      if (pairs[i].rank < pairs[best].rank)
        best = i;
    if (pairs[best].rank == kNoMerge)
      break;
    tokens[best] = pairs[best].merged;
    // Close the gap the right token leaves, in the tokens and in the pairs after it.
    std::copy(tokens + best + 2, tokens + count, tokens + best + 1);
    if (best + 2 < count - 1)
      std::copy(pairs + best + 2, pairs + count - 1, pairs + best + 1);
    --count;
    if (best + 1 < count)
      pairs[best] = merges_.find(tokens[best], tokens[best + 1]);
    if (best > 0)
      pairs[best - 1] = merges_.find(tokens[best - 1], tokens[best]);
  }
  ids.insert(ids.end(), tokens, tokens + count);
}

void BytePairMerger::encodeLong(std::string_view piece, std::vector<std::int32_t> &ids) const {
  // The tokens form a doubly linked list over byte positions: a merge keeps the
  // left node, so node order is text order and a node index breaks rank ties
  // leftmost-first.
  struct Node {
    std::int32_t token;
    std::int32_t prev; // -1 at the start
    std::int32_t next; // -1 at the end
  };
  // A candidate merge of nodes[left] with its successor. It is stale, and skipped,
  // when either token has changed since it was queued.
  using Candidate = std::tuple<std::uint32_t /*rank*/, std::int32_t /*left*/,
                               std::int32_t /*leftToken*/, std::int32_t /*rightToken*/>;
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;

  const auto count = std::int32_t(piece.size());
  std::vector<Node> nodes(count);
  for (std::int32_t i = 0; i < count; ++i)
    nodes[i] = {byteTokens_[static_cast<unsigned char>(piece[i])], i - 1,
                i + 1 < count ? i + 1 : -1};
  auto queuePair = [&](std::int32_t left) {
    if (left < 0 || nodes[left].next < 0)
      return;
    const Node &right = nodes[nodes[left].next];
    MergeResult merge = merges_.find(nodes[left].token, right.token);
    if (merge.rank != kNoMerge)
      queue.emplace(merge.rank, left, nodes[left].token, right.token);
  };
  for (std::int32_t i = 0; i + 1 < count; ++i)
    queuePair(i);

  while (!queue.empty()) {
    auto [rank, left, leftToken, rightToken] = queue.top();
    queue.pop();
    Node &node = nodes[left];
    // Merged-away nodes hold token -1, so this also skips them.
    if (node.token != leftToken || node.next < 0 || nodes[node.next].token != rightToken)
      continue;
    const std::int32_t rightIndex = node.next;
    node.token = merges_.find(leftToken, rightToken).merged;
    node.next = nodes[rightIndex].next;
    if (node.next >= 0)
      nodes[node.next].prev = left;
    nodes[rightIndex].token = -1; // dead
    queuePair(node.prev);
    queuePair(left);
  }
  for (std::int32_t i = 0; i >= 0 && i < count; i = nodes[i].next)
    ids.push_back(nodes[i].token);
}

} // namespace gpt2c::bpe
