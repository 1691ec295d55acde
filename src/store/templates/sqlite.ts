import type { Database } from 'better-sqlite3';
import type { Locale } from '../../domain/locale';
import type { MessageSubject, TemplateParts } from '../../domain/message';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { StoredTemplate, TemplateBook } from './port';

interface TemplateRow extends Omit<StoredTemplate, 'parts'> {
  parts: string;
}

/** Tenants' message templates in the embedded store's `message_templates` table, their parts as JSON. */
export class SqliteTemplateBook implements TemplateBook {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  putTemplate(template: StoredTemplate): Promise<void> {
    return this.context.write(() => {
      this.stmt().put.run({ ...template, parts: JSON.stringify(template.parts) });
    });
  }

  getTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<StoredTemplate | null> {
    return this.context.read(() => {
      const row = this.stmt().get.get(tenantId, locale, subject) as TemplateRow | undefined;
      return row ? fromRow(row) : null;
    });
  }

  listTemplates(tenantId: string): Promise<StoredTemplate[]> {
    return this.context.read(() => (this.stmt().list.all(tenantId) as TemplateRow[]).map(fromRow));
  }

  deleteTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<boolean> {
    return this.context.write(() => this.stmt().remove.run(tenantId, locale, subject).changes > 0);
  }
}

function fromRow(row: TemplateRow): StoredTemplate {
  return { ...row, parts: JSON.parse(row.parts) as TemplateParts };
}

const COLUMNS = 'tenant_id, locale, subject, parts, updated_at';

function prepare(db: Database) {
  return {
    put: db.prepare(
      `INSERT INTO message_templates (${COLUMNS}) VALUES (@tenant_id, @locale, @subject, @parts, @updated_at)
       ON CONFLICT (tenant_id, locale, subject) DO UPDATE SET parts = excluded.parts, updated_at = excluded.updated_at`,
    ),
    get: db.prepare(`SELECT ${COLUMNS} FROM message_templates WHERE tenant_id = ? AND locale = ? AND subject = ?`),
    list: db.prepare(`SELECT ${COLUMNS} FROM message_templates WHERE tenant_id = ? ORDER BY locale, subject`),
    remove: db.prepare('DELETE FROM message_templates WHERE tenant_id = ? AND locale = ? AND subject = ?'),
  };
}
