-- Row-level security for the tenant-scoped tables: the output of
-- rlsPolicySql({ table: 'projects' }) and rlsPolicySql({ table: 'tasks' }).
-- "plans" is shared (sharedModels: ['Plan']) and has no policy.
ALTER TABLE "projects" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "projects" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation_select" ON "projects" FOR SELECT USING ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
CREATE POLICY "tenant_isolation_insert" ON "projects" FOR INSERT WITH CHECK ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
CREATE POLICY "tenant_isolation_update" ON "projects" FOR UPDATE USING ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), ''))) WITH CHECK ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
CREATE POLICY "tenant_isolation_delete" ON "projects" FOR DELETE USING ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));

ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "tasks" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation_select" ON "tasks" FOR SELECT USING ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
CREATE POLICY "tenant_isolation_insert" ON "tasks" FOR INSERT WITH CHECK ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
CREATE POLICY "tenant_isolation_update" ON "tasks" FOR UPDATE USING ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), ''))) WITH CHECK ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
CREATE POLICY "tenant_isolation_delete" ON "tasks" FOR DELETE USING ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
