// The knowledge base as a langchain retriever: BM25 over jieba terms picks the passages worth
// showing the model, or none when no passage covers enough of the question. Being a langchain
// BaseRetriever, it can be swapped for a vector-store retriever without touching the answerer.
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { createBm25Index, type Bm25Index, type TermAnalyzer } from './bm25.ts';
import type { KnowledgePassage } from './knowledge.ts';

export interface PassageMetadata {
  id: string;
  file: string;
  line: number;
  title: string;
  section: string;
  score: number;
  coverage: number;
  [key: string]: unknown;
}

export interface KnowledgeRetrieverOptions {
  /** Passages handed to the model at most. */
  limit?: number;
  /** The best passage must match at least this share of the question's weight. */
  minCoverage?: number;
  /** Passages scoring below this share of the best one are left out. */
  relativeScore?: number;
}

export class KnowledgeRetriever extends BaseRetriever<PassageMetadata> {
  lc_namespace = ['csbot', 'knowledge'];
  private readonly index: Bm25Index<KnowledgePassage>;
  private readonly limit: number;
  private readonly minCoverage: number;
  private readonly relativeScore: number;

  constructor(
    passages: readonly KnowledgePassage[],
    analyzer: TermAnalyzer,
    options: KnowledgeRetrieverOptions = {},
  ) {
    super();
    // The heading path counts twice: a section titled 印花税 is about 印花税.
    this.index = createBm25Index(
      passages,
      (p) => `${p.title} ${p.section} ${p.section}\n${p.text}`,
      analyzer,
    );
    this.limit = options.limit ?? 3;
    this.minCoverage = options.minCoverage ?? 0.4;
    this.relativeScore = options.relativeScore ?? 0.4;
  }

  get size(): number {
    return this.index.size;
  }

  /** The ranking itself, synchronous, for callers outside langchain (and tests). */
  rank(query: string): DocumentInterface<PassageMetadata>[] {
    const ranked = this.index.search(query, this.limit);
    const best = ranked[0];
    if (!best || best.coverage < this.minCoverage) return [];
    return ranked
      .filter((r) => r.score >= best.score * this.relativeScore)
      .map(
        ({ item, score, coverage }) =>
          new Document<PassageMetadata>({
            pageContent: item.text,
            metadata: {
              id: item.id,
              file: item.file,
              line: item.line,
              title: item.title,
              section: item.section,
              score,
              coverage,
            },
          }),
      );
  }

  override async _getRelevantDocuments(
    query: string,
  ): Promise<DocumentInterface<PassageMetadata>[]> {
    return this.rank(query);
  }
}
