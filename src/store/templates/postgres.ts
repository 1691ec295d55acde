import type { Locale } from '../../domain/locale';
import type { MessageSubject } from '../../domain/message';
import type { PostgresContext } from '../postgres/context';
import type { StoredTemplate, TemplateBook } from './port';

const COLUMNS = 'tenant_id, locale, subject, parts, updated_at';

/** Tenants' message templates on PostgreSQL, their parts as `jsonb`. */
export class PostgresTemplateBook implements TemplateBook {
  constructor(private readonly db: PostgresContext) {}

  async putTemplate(template: StoredTemplate): Promise<void> {
    const t = template;
    await this.db.query(
      `INSERT INTO message_templates (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, locale, subject) DO UPDATE SET parts = EXCLUDED.parts, updated_at = EXCLUDED.updated_at`,
      [t.tenant_id, t.locale, t.subject, JSON.stringify(t.parts), t.updated_at],
    );
  }

  async getTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<StoredTemplate | null> {
    const { rows } = await this.db.query<StoredTemplate>(
      `SELECT ${COLUMNS} FROM message_templates WHERE tenant_id = $1 AND locale = $2 AND subject = $3`,
      [tenantId, locale, subject],
    );
    return rows[0] ?? null;
  }

  async listTemplates(tenantId: string): Promise<StoredTemplate[]> {
    const { rows } = await this.db.query<StoredTemplate>(
      `SELECT ${COLUMNS} FROM message_templates WHERE tenant_id = $1 ORDER BY locale COLLATE "C", subject COLLATE "C"`,
      [tenantId],
    );
    return rows;
  }

  async deleteTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM message_templates WHERE tenant_id = $1 AND locale = $2 AND subject = $3', [
      tenantId,
      locale,
      subject,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
