/* Placeholder: the reminders feature puts its push handler here. The service
   worker (/sw.js) always imports this file, so it must exist. */
