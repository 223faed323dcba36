-- AlterTable
ALTER TABLE "nodes" ADD COLUMN "turn_id" TEXT;

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "harness_id" TEXT,
    "harness_version" TEXT,
    "agent_name" TEXT,
    "cwd" TEXT,
    "parent_id" TEXT,
    "metadata" TEXT,
    "first_prompt" TEXT,
    "started_at" DATETIME NOT NULL,
    "ended_at" DATETIME NOT NULL,
    "turn_count" INTEGER NOT NULL DEFAULT 0,
    "complete_count" INTEGER NOT NULL DEFAULT 0,
    "partial_count" INTEGER NOT NULL DEFAULT 0,
    "unreduced_count" INTEGER NOT NULL DEFAULT 0,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_write_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_read_tokens" INTEGER NOT NULL DEFAULT 0,
    "reasoning_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" REAL
);

-- CreateTable
CREATE TABLE "turn_text" (
    "turn_id" TEXT NOT NULL PRIMARY KEY,
    "session_id" TEXT,
    "text" TEXT NOT NULL,
    CONSTRAINT "turn_text_turn_id_fkey" FOREIGN KEY ("turn_id") REFERENCES "turns" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_turns" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "request_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "api" TEXT,
    "agent_name" TEXT,
    "capture_site" TEXT NOT NULL,
    "method" TEXT,
    "path" TEXT,
    "status" INTEGER,
    "request_headers" TEXT,
    "request_body" BLOB,
    "response_headers" TEXT,
    "response_body" BLOB,
    "response_content_type" TEXT,
    "response_content_encoding" TEXT,
    "head_hash" TEXT,
    "node_count" INTEGER NOT NULL,
    "new_node_count" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "diagnostics" TEXT NOT NULL DEFAULT '[]',
    "started_at" DATETIME,
    "first_byte_at" DATETIME,
    "ended_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "session_id" TEXT,
    "thread_id" TEXT NOT NULL DEFAULT '',
    "harness_id" TEXT,
    "harness_version" TEXT,
    "session_envelope" TEXT,
    "model" TEXT,
    "input_tokens" INTEGER,
    "output_tokens" INTEGER,
    "cache_write_tokens" INTEGER,
    "cache_read_tokens" INTEGER,
    "reasoning_tokens" INTEGER,
    "cost_usd" REAL,
    "price_version" TEXT,
    CONSTRAINT "turns_head_hash_fkey" FOREIGN KEY ("head_hash") REFERENCES "nodes" ("hash") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_turns" ("agent_name", "api", "capture_site", "created_at", "diagnostics", "ended_at", "first_byte_at", "head_hash", "id", "method", "new_node_count", "node_count", "outcome", "path", "provider", "request_body", "request_headers", "request_id", "response_body", "response_content_encoding", "response_content_type", "response_headers", "started_at", "status") SELECT "agent_name", "api", "capture_site", "created_at", "diagnostics", "ended_at", "first_byte_at", "head_hash", "id", "method", "new_node_count", "node_count", "outcome", "path", "provider", "request_body", "request_headers", "request_id", "response_body", "response_content_encoding", "response_content_type", "response_headers", "started_at", "status" FROM "turns";
DROP TABLE "turns";
ALTER TABLE "new_turns" RENAME TO "turns";
CREATE UNIQUE INDEX "turns_request_id_key" ON "turns"("request_id");
CREATE INDEX "turns_head_hash_idx" ON "turns"("head_hash");
CREATE INDEX "turns_agent_name_created_at_idx" ON "turns"("agent_name", "created_at");
CREATE INDEX "turns_created_at_idx" ON "turns"("created_at");
CREATE INDEX "turns_session_id_started_at_idx" ON "turns"("session_id", "started_at");
CREATE INDEX "turns_harness_id_idx" ON "turns"("harness_id");
CREATE INDEX "turns_model_idx" ON "turns"("model");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "sessions_started_at_idx" ON "sessions"("started_at");

-- CreateIndex
CREATE INDEX "sessions_ended_at_idx" ON "sessions"("ended_at");

-- CreateIndex
CREATE INDEX "sessions_harness_id_idx" ON "sessions"("harness_id");

-- CreateIndex
CREATE INDEX "sessions_agent_name_idx" ON "sessions"("agent_name");

-- CreateIndex
CREATE INDEX "turn_text_session_id_idx" ON "turn_text"("session_id");
