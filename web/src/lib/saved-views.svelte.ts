/** The signed-in person's saved views (GET/POST/DELETE /api/views): named filter sets. */
import { api, toApiError, type ApiError, type SavedView, type ViewFilters } from "./api";

export class SavedViewStore {
  views = $state<SavedView[]>([]);
  loaded = $state(false);
  error = $state<ApiError | null>(null);

  async load(): Promise<void> {
    try {
      this.views = (await api.views()).views;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = toApiError(error);
    }
  }

  async create(name: string, filters: ViewFilters): Promise<SavedView> {
    const { view } = await api.createView(name, filters);
    this.views = [...this.views, view].sort((a, b) => a.name.localeCompare(b.name));
    return view;
  }

  async remove(id: string): Promise<void> {
    await api.deleteView(id);
    this.views = this.views.filter((v) => v.id !== id);
  }
}
