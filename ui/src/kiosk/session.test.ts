import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Attachment, Petition, api } from '../api';

const calls: string[] = [];
const fake = {
  updateField: vi.fn(async (_id: string, field: string, value: string) => {
    calls.push(`update ${field}=${value}`);
    return value;
  }),
  checkDraft: vi.fn(async () => []),
  kioskListFolder: vi.fn(async () => [{ name: '身份证.jpg', bytes: 1000, kind: 'image' as const }]),
  kioskAttachFromFolder: vi.fn(async (_id: string, _index: number, name: string) => {
    if (name === '大图.tif') throw { code: 'file_too_large', message: '太大' };
    return attachment('a1');
  }),
  listAttachments: vi.fn(async () => [attachment('a1')]),
  attachmentThumbnail: vi.fn(async () => new Uint8Array([0x89, 0x50]).buffer),
  removeAttachment: vi.fn(async () => null),
  kioskSubmit: vi.fn(async () => ({
    reference: 'C1YKK-3D5JJ',
    qr_svg: '<svg></svg>',
    submitted_at: '2025-01-01T08:00:00Z',
    delivered: false,
  })),
} satisfies Partial<typeof api>;

vi.mock('../api', async (original) => ({ ...(await original<typeof import('../api')>()), api: fake }));

const { KioskSession, stepOf } = await import('./session.svelte');

function attachment(sha256: string): Attachment {
  return {
    sha256,
    position: 0,
    media_type: 'image/png',
    width: 10,
    height: 10,
    bytes: 100,
    file_name: '身份证.jpg',
    page_count: null,
    purged_at: null,
    created_at: '2025-01-01T08:00:00Z',
  };
}

function petition(): Petition {
  const empty = { name: '', id_number: '', phone: '', address: '', email: '', region: '', agency: '', category: '', purpose: '', title: '', request: '', facts: '', reasons: '' };
  return { id: 'p1', created_at: '', updated_at: '', state: 'draft', trashed_at: null, ...empty };
}

describe('KioskSession', () => {
  let urls = 0;
  const revoked: string[] = [];

  beforeEach(() => {
    calls.length = 0;
    revoked.length = 0;
    vi.spyOn(URL, 'createObjectURL').mockImplementation(() => `blob:${++urls}`);
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((u) => void revoked.push(u));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('forgets everything about the citizen, and revokes the thumbnails', async () => {
    const s = new KioskSession();
    s.begin(petition());
    s.edit('name', '张三');
    await s.flush();
    await s.openFolder(0);
    await s.attach(0, '身份证.jpg');
    await s.attach(0, '大图.tif');
    await s.check();
    expect(s.draft?.name).toBe('张三');
    expect(s.folder?.files).toHaveLength(1);
    expect(s.attachments).toHaveLength(1);
    expect(s.refusals.map((r) => r.error.code)).toEqual(['file_too_large']);
    const url = s.thumbs.a1;
    expect(url).toMatch(/^blob:/);

    // Typed just before the end: never written.
    s.edit('phone', '13800138000');
    s.edit('address', '雁塔路 1 号');
    await s.reset();

    expect(revoked).toEqual([url]);
    expect(s.draft).toBeNull();
    expect(s.problems).toBeNull();
    expect(s.folder).toBeNull();
    expect(s.attachments).toEqual([]);
    expect(s.thumbs).toEqual({});
    expect(s.refusals).toEqual([]);
    expect(s.receipt).toBeNull();
    expect(calls.filter((c) => c.startsWith('update address'))).toEqual([]);
  });

  it('keeps only the receipt once submitted, until reset', async () => {
    const s = new KioskSession();
    s.begin(petition());
    s.edit('title', '道路破损');
    await s.reloadAttachments();
    expect(await s.submit()).toEqual([]);
    expect(calls).toEqual(['update title=道路破损']);
    expect(s.receipt?.reference).toBe('C1YKK-3D5JJ');
    expect(s.draft).toBeNull();
    expect(s.attachments).toEqual([]);
    expect(revoked).toHaveLength(1);
    await s.reset();
    expect(s.receipt).toBeNull();
  });

  it('drops what arrives after the session ended', async () => {
    let release!: () => void;
    fake.listAttachments.mockImplementationOnce(
      () => new Promise((resolve) => (release = () => resolve([attachment('late')]))),
    );
    const s = new KioskSession();
    s.begin(petition());
    const loading = s.reloadAttachments();
    await s.reset();
    release();
    await loading;
    expect(s.attachments).toEqual([]);
    expect(s.thumbs).toEqual({});
  });

  it('sends each problem back to the step that asks its field', () => {
    expect(stepOf('id_number')).toBe('who');
    expect(stepOf('email')).toBe('who');
    expect(stepOf('purpose')).toBe('what');
    expect(stepOf('facts')).toBe('what');
  });
});
