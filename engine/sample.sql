-- A small database modelled on the seed's Supabase project, for `pgbackup demo` and the tests.
CREATE SCHEMA auth;
CREATE SCHEMA storage;
CREATE SCHEMA prediction;
CREATE SCHEMA crawler;
CREATE SCHEMA rag;
CREATE SCHEMA marketing;
CREATE SCHEMA law;
CREATE SCHEMA engineering;
CREATE SCHEMA leads;
CREATE SCHEMA company_data;
CREATE SCHEMA risk;

CREATE TABLE auth.users (
    id uuid PRIMARY KEY,
    email text UNIQUE NOT NULL,
    raw_user_meta_data jsonb DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE auth.identities (
    id text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
    provider text NOT NULL
);
CREATE TABLE storage.buckets (id text PRIMARY KEY, name text NOT NULL, public boolean DEFAULT false);
CREATE TABLE storage.objects (
    id uuid PRIMARY KEY,
    bucket_id text REFERENCES storage.buckets(id),
    name text,
    owner uuid,
    metadata jsonb
);

CREATE TABLE public.organizations (id serial PRIMARY KEY, slug text UNIQUE NOT NULL, name text NOT NULL);
CREATE TABLE public.rbac_roles (id serial PRIMARY KEY, name text UNIQUE NOT NULL, description text);
CREATE TABLE public.rbac_permissions (id serial PRIMARY KEY, name text UNIQUE NOT NULL);
CREATE TABLE public.rbac_role_permissions (
    role_id int REFERENCES public.rbac_roles(id) ON DELETE CASCADE,
    permission_id int REFERENCES public.rbac_permissions(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
);
CREATE TABLE public.rbac_user_org_roles (
    user_id uuid REFERENCES auth.users(id),
    organization_id int REFERENCES public.organizations(id),
    role_id int REFERENCES public.rbac_roles(id),
    PRIMARY KEY (user_id, organization_id, role_id)
);
CREATE TABLE public.llm_providers (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.llm_models (
    id serial PRIMARY KEY,
    provider_id int NOT NULL REFERENCES public.llm_providers(id),
    name text NOT NULL,
    context_window int
);
CREATE TABLE public.agents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id int REFERENCES public.organizations(id),
    model_id int REFERENCES public.llm_models(id),
    name text NOT NULL,
    config jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE public.conversations (
    id bigserial PRIMARY KEY,
    agent_id bigint REFERENCES public.agents(id),
    user_id uuid REFERENCES auth.users(id),
    messages jsonb,
    created_at timestamptz DEFAULT now()
);
CREATE TABLE public.llm_usage (
    id bigserial PRIMARY KEY,
    conversation_id bigint REFERENCES public.conversations(id),
    tokens int,
    cost numeric(12, 6)
);

CREATE TABLE public.plans (id bigserial PRIMARY KEY, agent_id bigint REFERENCES public.agents(id), goal text);
CREATE TABLE public.tasks (
    id bigserial PRIMARY KEY, plan_id bigint REFERENCES public.plans(id), title text, done boolean DEFAULT false
);
CREATE TABLE public.deliverables (id bigserial PRIMARY KEY, task_id bigint REFERENCES public.tasks(id), body text);
CREATE TABLE public.checkpoints (id bigserial PRIMARY KEY, task_id bigint REFERENCES public.tasks(id), state jsonb);

CREATE TABLE prediction.universes (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE prediction.targets (
    id serial PRIMARY KEY, universe_id int NOT NULL REFERENCES prediction.universes(id), symbol text NOT NULL
);
CREATE TABLE prediction.strategies (id serial PRIMARY KEY, name text NOT NULL, params jsonb);
CREATE TABLE prediction.analysts (
    id serial PRIMARY KEY, strategy_id int REFERENCES prediction.strategies(id), agent_id bigint REFERENCES public.agents(id)
);
CREATE TABLE prediction.signals (
    id bigserial PRIMARY KEY,
    target_id int NOT NULL REFERENCES prediction.targets(id),
    strength double precision,
    observed_at timestamptz NOT NULL
);
CREATE TABLE prediction.predictions (
    id bigserial PRIMARY KEY,
    signal_id bigint REFERENCES prediction.signals(id),
    analyst_id int REFERENCES prediction.analysts(id),
    direction text CHECK (direction IN ('up', 'down', 'flat')),
    confidence numeric(5, 4)
);
CREATE INDEX predictions_signal_idx ON prediction.predictions (signal_id);
CREATE TABLE prediction.predictors (
    id serial PRIMARY KEY, prediction_id bigint REFERENCES prediction.predictions(id), weight real
);
CREATE TABLE prediction.source_subscriptions (
    id serial PRIMARY KEY, universe_id int REFERENCES prediction.universes(id), source_id int
);

CREATE TABLE crawler.sources (id serial PRIMARY KEY, url text UNIQUE NOT NULL);
CREATE TABLE crawler.articles (
    id bigserial PRIMARY KEY,
    source_id int NOT NULL REFERENCES crawler.sources(id),
    title text,
    body text,
    fetched_at timestamptz
);
CREATE INDEX articles_source_fetched_idx ON crawler.articles (source_id, fetched_at DESC);
CREATE TABLE crawler.source_crawls (
    id bigserial PRIMARY KEY, source_id int NOT NULL REFERENCES crawler.sources(id), crawled_at timestamptz
);
CREATE TABLE crawler.agent_article_outputs (
    id bigserial PRIMARY KEY, article_id bigint REFERENCES crawler.articles(id), agent_id bigint REFERENCES public.agents(id),
    output jsonb
);

CREATE TABLE rag.rag_collections (id serial PRIMARY KEY, organization_id int REFERENCES public.organizations(id), name text);
CREATE TABLE rag.rag_documents (
    id bigserial PRIMARY KEY, collection_id int REFERENCES rag.rag_collections(id), content text, metadata jsonb
);

CREATE TABLE marketing.campaigns (id serial PRIMARY KEY, organization_id int REFERENCES public.organizations(id), name text);

CREATE TABLE law.contracts (id serial PRIMARY KEY, organization_id int REFERENCES public.organizations(id), title text);
CREATE TABLE engineering.incidents (id serial PRIMARY KEY, severity int, summary text);
CREATE TABLE leads.contacts (id serial PRIMARY KEY, organization_id int REFERENCES public.organizations(id), email text);
CREATE TABLE company_data.facts (id serial PRIMARY KEY, key text UNIQUE, value jsonb);
CREATE TABLE risk.assessments (id serial PRIMARY KEY, target text, score numeric(4, 2));

COMMENT ON TABLE prediction.signals IS 'Observed market signals';

INSERT INTO auth.users (id, email, raw_user_meta_data)
SELECT md5('user' || g)::uuid, 'user' || g || '@example.com', jsonb_build_object('n', g) FROM generate_series(1, 50) g;
INSERT INTO auth.identities SELECT 'id' || g, md5('user' || g)::uuid, 'email' FROM generate_series(1, 50) g;
INSERT INTO storage.buckets VALUES ('avatars', 'avatars', true);
INSERT INTO storage.objects SELECT md5('obj' || g)::uuid, 'avatars', 'a/' || g || '.png', md5('user' || g)::uuid, '{"size": 1}'
FROM generate_series(1, 20) g;
INSERT INTO public.organizations (slug, name) SELECT 'org' || g, 'Org ' || g FROM generate_series(1, 5) g;
INSERT INTO public.rbac_roles (name) VALUES ('admin'), ('member'), ('viewer');
INSERT INTO public.rbac_permissions (name) VALUES ('read'), ('write'), ('admin');
INSERT INTO public.rbac_role_permissions VALUES (1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1);
INSERT INTO public.rbac_user_org_roles SELECT md5('user' || g)::uuid, 1 + g % 5, 1 + g % 3 FROM generate_series(1, 50) g;
INSERT INTO public.llm_providers (name) VALUES ('anthropic'), ('local');
INSERT INTO public.llm_models (provider_id, name, context_window) VALUES (1, 'large', 200000), (2, 'small', 8192);
INSERT INTO public.agents (organization_id, model_id, name) SELECT 1 + g % 5, 1 + g % 2, 'agent ' || g FROM generate_series(1, 10) g;
INSERT INTO public.conversations (agent_id, user_id, messages)
SELECT 1 + g % 10, md5('user' || (1 + g % 50))::uuid, jsonb_build_array(jsonb_build_object('role', 'user', 'text', 'hello ' || g))
FROM generate_series(1, 500) g;
INSERT INTO public.llm_usage (conversation_id, tokens, cost) SELECT 1 + g % 500, g * 3, g / 1000.0 FROM generate_series(1, 1000) g;
INSERT INTO prediction.universes (name) VALUES ('equities'), ('crypto');
INSERT INTO prediction.targets (universe_id, symbol) SELECT 1 + g % 2, 'SYM' || g FROM generate_series(1, 40) g;
INSERT INTO prediction.strategies (name, params) VALUES ('momentum', '{"window": 20}'), ('mean-revert', '{"z": 2}');
INSERT INTO prediction.analysts (strategy_id, agent_id) SELECT 1 + g % 2, 1 + g % 10 FROM generate_series(1, 8) g;
INSERT INTO prediction.signals (target_id, strength, observed_at)
SELECT 1 + g % 40, sin(g), timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 5000) g;
INSERT INTO prediction.predictions (signal_id, analyst_id, direction, confidence)
SELECT 1 + g % 5000, 1 + g % 8, (ARRAY['up', 'down', 'flat'])[1 + g % 3], (g % 10000) / 10000.0 FROM generate_series(1, 8000) g;
INSERT INTO crawler.sources (url) SELECT 'https://news' || g || '.example' FROM generate_series(1, 10) g;
INSERT INTO crawler.articles (source_id, title, body, fetched_at)
SELECT 1 + g % 10, 'Article ' || g, repeat(md5(g::text), 8), timestamptz '2026-02-01' + g * interval '1 hour'
FROM generate_series(1, 2000) g;
INSERT INTO rag.rag_collections (organization_id, name) SELECT 1 + g % 5, 'collection ' || g FROM generate_series(1, 5) g;
INSERT INTO rag.rag_documents (collection_id, content, metadata)
SELECT 1 + g % 5, 'chunk ' || md5(g::text), jsonb_build_object('page', g) FROM generate_series(1, 300) g;
INSERT INTO marketing.campaigns (organization_id, name) SELECT 1 + g % 5, 'campaign ' || g FROM generate_series(1, 12) g;
INSERT INTO public.plans (agent_id, goal) SELECT 1 + g % 10, 'plan ' || g FROM generate_series(1, 20) g;
INSERT INTO public.tasks (plan_id, title) SELECT 1 + g % 20, 'task ' || g FROM generate_series(1, 60) g;
INSERT INTO public.deliverables (task_id, body) SELECT 1 + g % 60, 'deliverable ' || g FROM generate_series(1, 30) g;
INSERT INTO public.checkpoints (task_id, state) SELECT 1 + g % 60, jsonb_build_object('step', g) FROM generate_series(1, 40) g;
INSERT INTO prediction.predictors (prediction_id, weight) SELECT 1 + g % 8000, g / 100.0 FROM generate_series(1, 100) g;
INSERT INTO prediction.source_subscriptions (universe_id, source_id) SELECT 1 + g % 2, 1 + g % 10 FROM generate_series(1, 10) g;
INSERT INTO crawler.source_crawls (source_id, crawled_at)
SELECT 1 + g % 10, timestamptz '2026-02-01' + g * interval '1 day' FROM generate_series(1, 30) g;
INSERT INTO crawler.agent_article_outputs (article_id, agent_id, output)
SELECT 1 + g % 2000, 1 + g % 10, jsonb_build_object('summary', 'article ' || g) FROM generate_series(1, 50) g;
INSERT INTO law.contracts (organization_id, title) SELECT 1 + g % 5, 'contract ' || g FROM generate_series(1, 6) g;
INSERT INTO engineering.incidents (severity, summary) SELECT g % 4, 'incident ' || g FROM generate_series(1, 7) g;
INSERT INTO leads.contacts (organization_id, email) SELECT 1 + g % 5, 'lead' || g || '@example.com' FROM generate_series(1, 9) g;
INSERT INTO company_data.facts (key, value) SELECT 'fact' || g, to_jsonb(g) FROM generate_series(1, 4) g;
INSERT INTO risk.assessments (target, score) SELECT 'target ' || g, g / 3.0 FROM generate_series(1, 5) g;
