import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { type TaskForEmail, taskForEmail } from '../db/queries/tasks.ts';
import type { JourneyEmailAbout } from '../journeys/journey-emails.ts';
import type { EmailContent } from '../mail/render-email.ts';
import { hoursInWords, timeInWords } from '../mail/time-in-words.ts';
import type { CountingMode } from '../nps/counts.ts';
import { roundNps } from '../nps/score.ts';
import { prepareSignInLink, TASK_EMAIL_LINK_DAYS } from '../sign-in/sign-in-links.ts';
import type { NewSignInLink } from '../db/tables/sign-in-links.ts';

/** How many of the user's answers a task email lists. */
const RECENT_ANSWERS = 5;
/** The account NPS a task email quotes: the standard window a CSM reads first. */
const ACCOUNT_NPS_WINDOW = 'last_90_days';

export interface TaskEmailSettings {
  /** Where recipients' browsers reach npsloop: the task's link signs them in to its page in the web app. */
  publicBaseUrl: string;
  /** The instance's zone (NPSLOOP_TIME_ZONE), for a CSM without one of their own. */
  timeZone: string;
  /** How the instance counts account NPS: the figure quoted is the one its reports show. */
  counting: CountingMode;
}

export interface TaskEmail {
  /** What the email adds around the journey's template. */
  content: Omit<EmailContent, 'message'>;
  /** The zone its reader reads times in. */
  zone: string;
  /** The task link's sign-in link, to store with the email (sendEmail's `signInLink`). */
  signInLink: NewSignInLink;
}

/**
 * What a CSM needs beside the journey's message to act on a task without opening anything else:
 * why it reaches them (escalated, reassigned), the detractor's score and comment, their recent
 * answers, the account's NPS, when it is due in the reader's zone, and a link that opens the task's
 * page in the web app signed in as the email's recipient (a one-time sign-in link, made for this
 * email and stored with it). Undefined when the task is gone.
 */
export async function taskEmail(
  db: Kysely<Database>,
  about: Extract<JourneyEmailAbout, { kind: 'task' }>,
  recipient: string,
  settings: TaskEmailSettings,
): Promise<TaskEmail | undefined> {
  const read = await taskForEmail(db, about.taskId, { window: ACCOUNT_NPS_WINDOW, counting: settings.counting, recentAnswers: RECENT_ANSWERS });
  if (!read) return undefined;
  const { task, recentAnswers: answers } = read;
  const zone = read.assigneeTimeZone ?? settings.timeZone;
  const accountNps = accountNpsLine(read.accountNps);
  const taskLink = prepareSignInLink({ email: recipient, nextPath: `/app/tasks/${task.id}`, purpose: 'task_email', publicBaseUrl: settings.publicBaseUrl });
  return {
    zone,
    signInLink: taskLink.row,
    content: {
      ...leadOf(about),
      facts: [
        { label: 'Task', value: `#${task.id}, ${task.journeyName}${task.escalationLevel > 0 ? `, escalation level ${task.escalationLevel}` : ''}` },
        { label: 'Due', value: `by ${timeInWords(task.dueAt, zone)}` },
        { label: 'Customer', value: task.user.name ? `${task.user.name} <${task.user.email}>` : task.user.email },
        { label: 'Account', value: accountNps ? `${task.account.name}, ${accountNps}` : task.account.name },
        { label: 'Score', value: String(task.response.score) },
        { label: 'Comment', value: task.response.comment ?? '(none)' },
      ],
      list: {
        heading: 'Their recent answers',
        items: answers.map((answer) => `${timeInWords(answer.respondedAt, zone)}: ${answer.score}${answer.comment ? `, "${answer.comment}"` : ''}`),
      },
      action: { url: taskLink.url, label: 'Open the task' },
      footer: [
        `The link signs you in and opens the task; it works once, until ${timeInWords(taskLink.expiresAt, zone)} (${TASK_EMAIL_LINK_DAYS} days). Used or expired, it opens the sign-in page, which emails you a fresh one.`,
        `Complete it with: npsloop tasks complete ${task.id} --outcome "what you did"`,
        `Reassign it with: npsloop tasks reassign ${task.id} --to <CSM email>`,
      ],
    },
  };
}

function leadOf(about: Extract<JourneyEmailAbout, { kind: 'task' }>): Pick<EmailContent, 'lead'> {
  switch (about.reason) {
    case 'created':
      return {};
    case 'escalated':
      return { lead: `Escalated to you: ${about.notActedBy} did not act on it within ${hoursInWords(about.waitedHours)}.` };
    case 'reassigned':
      // Runs signalled by earlier versions may not say who reassigned it.
      return { lead: `Reassigned to you${about.reassignedBy ? ` by ${about.reassignedBy}` : ''}: ${about.why ?? 'no reason given'}.` };
  }
}

function accountNpsLine(snapshot: TaskForEmail['accountNps']): string | null {
  if (!snapshot || snapshot.nps === null) return null;
  const margin = snapshot.margin_of_error === null ? '' : ` ±${roundNps(snapshot.margin_of_error)}`;
  return `NPS ${roundNps(snapshot.nps)}${margin} over the last 90 days (${snapshot.total} ${snapshot.total === 1 ? 'answer' : 'answers'})`;
}
