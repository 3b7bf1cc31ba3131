// /admin/courses: admins create a course (with a thumbnail in "course-thumbnails"), a module in
// it and a lesson in the module, and see the catalogue.

import { extensionOf, field, h, messages, slug, supabase, whileBusy } from "./core.js";

const BUCKET = "course-thumbnails";

/** Courses with their modules and lessons, newest course first, modules/lessons by position. */
async function loadCatalogue() {
  const [courses, modules, lessons] = await Promise.all([
    supabase.from("courses").select("id, title, description, thumbnail_url, created_at")
      .order("created_at", { ascending: false }),
    supabase.from("course_modules").select("id, course_id, title, position")
      .order("position", { ascending: true }).order("created_at", { ascending: true }),
    supabase.from("lessons").select("id, module_id, title, position")
      .order("position", { ascending: true }).order("created_at", { ascending: true }),
  ]);
  const error = courses.error || modules.error || lessons.error;
  if (error) throw error;
  return (courses.data || []).map((course) => ({
    ...course,
    modules: (modules.data || []).filter((m) => m.course_id === course.id).map((module) => ({
      ...module,
      lessons: (lessons.data || []).filter((l) => l.module_id === module.id),
    })),
  }));
}

function catalogueView(catalogue) {
  if (!catalogue.length) return h("p", {}, "No courses yet.");
  return h("ul", { class: "catalogue", "aria-labelledby": "catalogue-heading" },
    catalogue.map((course) => {
      const headingId = `course-${course.id}`;
      return h("li", { class: "course", "data-course-id": course.id, "aria-labelledby": headingId },
        h("h3", { id: headingId }, course.title),
        course.thumbnail_url
          ? h("img", { src: course.thumbnail_url, alt: `Thumbnail of ${course.title}`, class: "thumbnail", width: 160, height: 90 })
          : h("p", { class: "muted" }, "No thumbnail"),
        course.description ? h("p", {}, course.description) : null,
        course.modules.length
          ? h("ol", { class: "modules", "aria-label": `Modules of ${course.title}` },
            course.modules.map((module) =>
              h("li", { class: "module", "data-module-id": module.id },
                h("h4", {}, module.title),
                module.lessons.length
                  ? h("ol", { class: "lessons", "aria-label": `Lessons of ${module.title}` },
                    module.lessons.map((lesson) => h("li", { class: "lesson", "data-lesson-id": lesson.id }, lesson.title)))
                  : h("p", { class: "muted" }, "No lessons yet."))))
          : h("p", { class: "muted" }, "No modules yet."));
    }));
}

function options(select, items, labelOf, selected) {
  select.replaceChildren(
    h("option", { value: "" }, "Choose…"),
    ...items.map((item) => h("option", { value: item.id, selected: item.id === selected }, labelOf(item))),
  );
  if (selected) select.value = selected;
}

export async function render({ main, admin, isCurrent }) {
  const msgs = messages();
  main.append(h("h1", {}, "Manage courses"));
  if (!admin) {
    main.append(...msgs.nodes);
    await msgs.error("Only admins can manage courses.");
    return;
  }
  let catalogue = await loadCatalogue();
  if (!isCurrent()) return;

  // New course
  const courseTitle = h("input", { type: "text", name: "title", required: true });
  const description = h("textarea", { name: "description", rows: 3 });
  const thumbnail = h("input", { type: "file", name: "thumbnail", accept: "image/png,image/jpeg,image/webp" });
  const courseForm = h("form", { class: "card", "aria-labelledby": "new-course-heading" },
    h("h2", { id: "new-course-heading" }, "New course"),
    field("Course title", courseTitle),
    field("Description", description),
    field("Thumbnail", thumbnail),
    h("button", { type: "submit" }, "Create course"));

  // New module
  const moduleCourse = h("select", { name: "course_id", required: true });
  const moduleTitle = h("input", { type: "text", name: "module_title", required: true });
  const moduleForm = h("form", { class: "card", "aria-labelledby": "new-module-heading" },
    h("h2", { id: "new-module-heading" }, "New module"),
    field("Course", moduleCourse),
    field("Module title", moduleTitle),
    h("button", { type: "submit" }, "Add module"));

  // New lesson
  const lessonModule = h("select", { name: "module_id", required: true });
  const lessonTitle = h("input", { type: "text", name: "lesson_title", required: true });
  const lessonContent = h("textarea", { name: "content", rows: 3 });
  const lessonForm = h("form", { class: "card", "aria-labelledby": "new-lesson-heading" },
    h("h2", { id: "new-lesson-heading" }, "New lesson"),
    field("Module", lessonModule),
    field("Lesson title", lessonTitle),
    field("Lesson content", lessonContent),
    h("button", { type: "submit" }, "Add lesson"));

  const catalogueSlot = h("div", {});
  let selectedCourse = null;
  let selectedModule = null;

  function refresh() {
    options(moduleCourse, catalogue, (c) => c.title, selectedCourse);
    const modules = catalogue.flatMap((c) => c.modules.map((m) => ({ ...m, courseTitle: c.title })));
    options(lessonModule, modules, (m) => `${m.courseTitle} — ${m.title}`, selectedModule);
    catalogueSlot.replaceChildren(catalogueView(catalogue));
  }

  async function submit(form, busyText, work) {
    msgs.busy(busyText);
    try {
      const done = await whileBusy(form, work);
      catalogue = await loadCatalogue();
      refresh();
      form.reset();
      refresh(); // reset() cleared the selects' choice: put the selection back
      msgs.status(done);
    } catch (error) {
      await msgs.error(error);
    }
  }

  courseForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(courseForm, "Creating the course…", async () => {
      let thumbnailUrl = null;
      const file = thumbnail.files && thumbnail.files[0];
      if (file) {
        const path = `${slug(courseTitle.value)}-${Date.now()}.${extensionOf(file)}`;
        const upload = await supabase.storage.from(BUCKET).upload(path, file, {
          contentType: file.type || undefined,
          upsert: false,
        });
        if (upload.error) throw upload.error;
        thumbnailUrl = supabase.storage.from(BUCKET).getPublicUrl(path).data.publicUrl;
      }
      const { data, error } = await supabase.from("courses")
        .insert({ title: courseTitle.value.trim(), description: description.value.trim() || null, thumbnail_url: thumbnailUrl })
        .select("id, title").single();
      if (error) throw error;
      selectedCourse = data.id;
      return `Course created: ${data.title}`;
    });
  });

  moduleForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(moduleForm, "Adding the module…", async () => {
      const course = catalogue.find((c) => c.id === moduleCourse.value);
      const position = course ? course.modules.length + 1 : 1;
      const { data, error } = await supabase.from("course_modules")
        .insert({ course_id: moduleCourse.value, title: moduleTitle.value.trim(), position })
        .select("id, course_id, title").single();
      if (error) throw error;
      selectedCourse = data.course_id;
      selectedModule = data.id;
      return `Module added: ${data.title}`;
    });
  });

  lessonForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(lessonForm, "Adding the lesson…", async () => {
      const module = catalogue.flatMap((c) => c.modules).find((m) => m.id === lessonModule.value);
      const position = module ? module.lessons.length + 1 : 1;
      const { data, error } = await supabase.from("lessons")
        .insert({ module_id: lessonModule.value, title: lessonTitle.value.trim(), content: lessonContent.value.trim() || null, position })
        .select("id, module_id, title").single();
      if (error) throw error;
      selectedModule = data.module_id;
      return `Lesson added: ${data.title}`;
    });
  });

  refresh();
  main.append(
    ...msgs.nodes,
    h("div", { class: "forms" }, courseForm, moduleForm, lessonForm),
    h("section", { "aria-labelledby": "catalogue-heading" },
      h("h2", { id: "catalogue-heading" }, "Catalogue"), catalogueSlot),
  );
}
